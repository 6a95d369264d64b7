-- Placeholder on branch h17-oidc only, so migrations stay numbered 1..n
-- while 0017 and 0018 belong to other branches: delete at merge.
SELECT 1;
