-- Placeholder: another branch of the hardening issue owns migration 0009.
-- It exists only so this branch's 0010 applies in order; drop it at merge.
SELECT 1;
