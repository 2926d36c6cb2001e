DROP INDEX users_username_lower;
DROP TABLE users;
