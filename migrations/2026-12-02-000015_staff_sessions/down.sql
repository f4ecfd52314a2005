DROP TABLE sign_in_states;
DROP TABLE staff_sessions;
