-- one row per headline per Africa/Casablanca day it was on the ticker: the aggregate trend queries read
create table if not exists headline_days (
    day date not null,                    -- the Moroccan calendar day of the snapshots
    headline_id varchar not null,         -- headlines.headline_id
    slots integer not null,               -- ticker slots it held that day (snapshots x occurrences)
    snapshots integer not null,           -- snapshots it appeared in that day
    best_position integer not null,       -- its highest place on the ticker that day (1 = first)
    primary key (day, headline_id)
);
