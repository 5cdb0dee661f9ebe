"""Properties of the retention policy, over any set of backup times and any policy."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from edms.backup.operations.retention import RetentionPolicy, select_for_deletion

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
moments = st.integers(min_value=0, max_value=400 * 24 * 60).map(
    lambda minutes: START + dt.timedelta(minutes=minutes)
)
backup_sets = st.lists(moments, max_size=60, unique=True).map(
    lambda times: [(f"job-{i}", created_at) for i, created_at in enumerate(times)]
)
policies = st.builds(
    RetentionPolicy,
    keep_last=st.integers(0, 10),
    keep_daily=st.integers(0, 10),
    keep_weekly=st.integers(0, 6),
    keep_monthly=st.integers(0, 13),
)


@given(backup_sets, policies)
def test_the_newest_backup_is_never_deleted(backups, policy):
    """GIVEN any backups and any policy (even all zeros) WHEN retention selects
    THEN the newest backup survives."""
    doomed = select_for_deletion(backups, policy)
    if backups:
        newest = max(backups, key=lambda pair: pair[1])[0]
        assert newest not in doomed


@given(backup_sets, policies)
def test_at_least_keep_last_survive_and_at_most_the_policy_allows(backups, policy):
    """GIVEN any backups and policy WHEN retention selects THEN the survivors number at least
    min(keep_last, all) and at most one per slot of the policy; only given backups are deleted."""
    doomed = select_for_deletion(backups, policy)
    survivors = len(backups) - len(doomed)
    assert doomed <= {job for job, _ in backups}
    assert survivors >= min(policy.keep_last, len(backups))
    assert survivors <= policy.most_kept


@given(backup_sets, policies)
def test_the_newest_keep_last_are_the_ones_kept(backups, policy):
    """GIVEN any backups WHEN retention selects THEN none of the newest keep_last is deleted."""
    newest_first = [job for job, _ in sorted(backups, key=lambda pair: pair[1], reverse=True)]
    assert not set(newest_first[: policy.keep_last]) & select_for_deletion(backups, policy)


def test_daily_weekly_and_monthly_keep_the_newest_of_each_period():
    """GIVEN one backup at 01:00 and 13:00 every day for 70 days
    WHEN the policy keeps 2 last, 3 daily, 2 weekly and 2 monthly
    THEN the survivors are the 2 newest, the newest of each of the last 3 days, of the last
    2 ISO weeks and of the last 2 months — and nothing else."""
    backups = [
        (f"{day:%m-%d}@{hour:02d}", START + dt.timedelta(days=d, hours=hour))
        for d in range(70)
        for hour in (1, 13)
        for day in [START + dt.timedelta(days=d)]
    ]
    policy = RetentionPolicy(keep_last=2, keep_daily=3, keep_weekly=2, keep_monthly=2)

    doomed = select_for_deletion(backups, policy)

    survivors = {job for job, _ in backups} - doomed
    # day 69 is 2026-03-11 (a Wednesday); Sunday 03-08 ends the ISO week before; 02-28 ends February
    assert survivors == {"03-11@13", "03-11@01", "03-10@13", "03-09@13", "03-08@13", "02-28@13"}


def test_an_empty_history_deletes_nothing():
    """GIVEN no backups WHEN retention selects THEN nothing is to be deleted."""
    assert select_for_deletion([], RetentionPolicy()) == set()
