-- How public pages name what an account writes ("Sam Jones"). Notices and incident
-- updates keep the login name that wrote them, for staff and the audit log; public
-- answers show this instead, or "TIS support" when it is empty.
ALTER TABLE accounts ADD COLUMN display_name TEXT;
