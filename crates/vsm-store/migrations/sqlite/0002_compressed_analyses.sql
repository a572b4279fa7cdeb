-- Version 2 stores new analyses zlib-compressed, as a BLOB in the same column (a JSON analysis
-- shrinks about twentyfold); the text of older snapshots is read as it is. The schema does not
-- change: the version number alone tells an older vsm, which would take a BLOB for text, that
-- it cannot read the file.
SELECT 1;
