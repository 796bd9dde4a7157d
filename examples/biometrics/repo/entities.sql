-- Seed 000's entity: a user, by user_id.
CREATE ENTITY user (user_id TEXT) COMMENT 'user identifier';
