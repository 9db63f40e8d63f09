-- Rights-request details (issue 17): what the person asked, sealed under their own data
-- key (an erasure shreds it with everything else). NULL when the request carried none.
ALTER TABLE rights_requests ADD COLUMN details BLOB;
