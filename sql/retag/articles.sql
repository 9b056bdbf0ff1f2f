-- one row per distinct article: the title, body and language retag tags
select article_id, title, body, language
from articles
order by article_id
