-- one row per article whose first dump is missing from raw_dumps
select a.article_id, a.first_dump_id
from articles as a
anti join raw_dumps as d on d.dump_id = a.first_dump_id
