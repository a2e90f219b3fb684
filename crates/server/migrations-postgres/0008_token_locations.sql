-- A prober token speaks for one location.
ALTER TABLE api_tokens ADD COLUMN location text;
UPDATE api_tokens SET location = name WHERE role = 'prober';
