-- one row per topic per distinct headline: the flat bridge between headlines and topics for BI tools (not partitioned)
select
    -- key
    cast(headline_id as varchar) as headline_id,
    cast(topic as varchar) as topic,
    -- how the tag was found
    cast(via as varchar) as via,
    cast(array_to_string(matched_terms, '; ') as varchar) as matched_terms,
    cast(score as double) as score,
    -- what it was derived with
    cast(taxonomy_version as varchar) as taxonomy_version,
    cast(model_version as varchar) as model_version
from headline_topics
