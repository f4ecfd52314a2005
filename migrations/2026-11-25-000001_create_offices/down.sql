DROP TABLE offices;
