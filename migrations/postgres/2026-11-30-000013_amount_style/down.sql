ALTER TABLE users DROP COLUMN amount_style;
