-- The language of the user's pages: 'uk' or 'en'; NULL until the user chooses, so the browser's
-- Accept-Language (else Ukrainian) decides.
ALTER TABLE users ADD COLUMN language TEXT;
