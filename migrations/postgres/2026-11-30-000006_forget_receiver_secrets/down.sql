-- Nothing to undo: the forgotten snapshots are read again from Monobank.
SELECT 1;
