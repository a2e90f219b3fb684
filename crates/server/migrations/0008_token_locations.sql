-- A prober token speaks for one location. Tokens made before this pushed results
-- without a location under their own name, so that name is their location.
ALTER TABLE api_tokens ADD COLUMN location TEXT;
UPDATE api_tokens SET location = name WHERE role = 'prober';
