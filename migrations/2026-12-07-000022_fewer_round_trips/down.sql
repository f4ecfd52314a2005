DROP FUNCTION case_has_event(uuid, text[]);
DROP FUNCTION case_number(text, uuid, integer);
