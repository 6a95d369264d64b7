-- Reserved for issue 16 (quality scorecards), which was given migration 0014 while
-- issue 15 (surveys) took 0015. Delete this file when the real 0014 is merged.
SELECT 1;
