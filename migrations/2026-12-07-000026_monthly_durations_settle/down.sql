-- 000026 changed no schema: nothing to undo.
SELECT 1;
