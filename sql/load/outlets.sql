-- replaces the outlet reference rows with the staged copy of data/outlets.csv
insert or replace into outlets by name
select * from read_parquet($files)
