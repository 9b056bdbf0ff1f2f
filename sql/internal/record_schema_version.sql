-- upserts one warehouse property: the schema version ($version) this tickerhouse made or migrated it to
insert or replace into schema_meta
values ('schema_version', $version)
