"""`make bench`: the performance figures of issue 8, each against a reference measured in the
same run (see README, "Performance")."""
