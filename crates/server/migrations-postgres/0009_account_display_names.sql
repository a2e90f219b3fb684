-- How public pages name what an account writes ("Sam Jones").
ALTER TABLE accounts ADD COLUMN display_name text;
