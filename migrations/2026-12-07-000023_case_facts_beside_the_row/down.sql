DROP FUNCTION live_nemid_of(text);
DROP FUNCTION exemption_granted(text);
