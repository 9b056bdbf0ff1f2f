-- one row per outlet known to the reference table data/outlets.csv
create table if not exists outlets (
    outlet_id varchar primary key,
    name varchar not null,                -- the brand's own spelling
    language varchar,
    homepage varchar,
    maghress_slug varchar,
    aliases varchar[]
);
