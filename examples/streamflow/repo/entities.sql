-- StreamFlow: the entity every feature describes.
CREATE ENTITY user (user_id TEXT) COMMENT 'StreamFlow customer';
