-- The BMANTER score is on a 0-100 scale only if its criteria's points sum to exactly 100.
select sum(points) as total_points
from {{ ref('bmanter_criteria') }}
having sum(points) <> 100
