-- The Mini App's choice of a time reaches the bot as the update Telegram itself sends for
-- Mini App data (a message with `web_app_data`), written to the inbox by our API so it is
-- handled in the chat's order like any other update. Its ids come from here: above every
-- id Telegram gives (a signed 32-bit number), within the unsigned 32 bits teloxide reads.
CREATE SEQUENCE miniapp_update_ids AS BIGINT START WITH 3000000000 MINVALUE 3000000000 MAXVALUE 4294967295;
