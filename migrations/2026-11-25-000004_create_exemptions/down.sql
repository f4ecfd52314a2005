DROP TABLE exemption_events;
DROP TABLE exemptions;
