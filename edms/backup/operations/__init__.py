"""Operations around the engine: jobs and their runner, schedules, retention, the backup
catalog, configurations and health."""
