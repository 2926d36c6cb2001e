-- Client-info snapshots stored before monoweb redacted its receiver's secret may hold it in
-- webHookUrl; forget them (the next view or sync round reads client-info again).
DELETE FROM snapshots WHERE kind = 'client-info' AND json LIKE '%/hooks/mono/%';
