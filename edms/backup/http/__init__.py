"""The REST edge of backup, restore and reinit (DRF views and serializers)."""
