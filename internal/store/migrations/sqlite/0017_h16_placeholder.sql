-- Placeholder on branch h16-more only, so migrations stay numbered 1..n
-- while 0017 belongs to another branch: delete at merge.
SELECT 1;
