-- SQLite has no TRUNCATE (DELETE without WHERE is refused by 0004's trigger already); this
-- migration keeps both dialects at the same version.
SELECT 1;
