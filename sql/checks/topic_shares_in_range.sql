-- one row per topic attention period whose share of ticker slots is outside [0, 1] or whose slots exceed the total
select grain, period_start, topic, slots, all_slots, share
from topic_attention
where share < 0 or share > 1 or slots > all_slots
