-- one row per line label of every dump: how each dump was read, for audit
create or replace view dump_lines as
select
    dump_id,
    first_path,
    generate_subscripts(line_labels, 1) as line_no,
    unnest(line_labels) as label
from raw_dumps
