-- what identifies a snapshot (README "What a snapshot is"): one edition at one stated capture instant
-- (a manifest row or a time in the file name: the capturer's own word). A dump with no stated instant
-- (dated by its ticker's date, a day, or by its mtime, which a copy or a re-save moves) is a capture of
-- its own, keyed by its bytes.
create or replace temp macro trusted_capture(method) as method in ('manifest', 'filename');

create or replace temp macro snapshot_key(method, edition, captured_at, dump_id) as
    if(
        trusted_capture(method),
        md5(coalesce(edition, '') || '|' || epoch_us(captured_at)::varchar),
        dump_id
    );
