-- A delivery's content digest (SHA-256 of its event and its JSON body with sorted keys, hex),
-- so that an id sent again with other content is refused (409) rather than taken for the
-- same delivery. Rows stored before have none, and a resend of them is taken as the same.
ALTER TABLE deliveries ADD COLUMN content_hash TEXT;
