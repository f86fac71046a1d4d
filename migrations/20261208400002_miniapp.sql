-- The Mini App's choice of a time reaches the bot as the update Telegram itself sends for
-- Mini App data (a message with `web_app_data`), written to the inbox by our API. Its row
-- ids are negative (this sequence minus 2^40): below every id Telegram gives, so while one
-- is pending its chat's later updates wait for it (a chat's oldest pending update goes
-- first), and in the order they were made among themselves.
CREATE SEQUENCE miniapp_update_ids AS BIGINT START WITH 1;
