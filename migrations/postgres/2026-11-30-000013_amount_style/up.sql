-- How the pages write amounts for the user: 'uk' (1 338 439,09 ₴, the default) or 'en'
-- (₴1,338,439.09).
ALTER TABLE users ADD COLUMN amount_style TEXT NOT NULL DEFAULT 'uk';
