-- Seed 000's FileSource: the readings, a parquet file of the repo, loaded
-- into the offline PostgreSQL by featuregate apply (the same rows as
-- data.sql's user_biometrics table, from which the labels are made).
CREATE SOURCE biometric_source TIMESTAMP COLUMN event_timestamp AS FILE 'data/user_biometrics.parquet';

-- Seed 000's user_biometric_features, with its validation rules as CHECK
-- constraints: MATERIALIZE counts the rows that break them as rejected
-- and never serves them online.
CREATE FEATURE VIEW user_biometric_features (
  heart_rate               REAL CHECK (heart_rate BETWEEN 40 AND 200),
  blood_pressure_systolic  BIGINT,
  blood_pressure_diastolic BIGINT,
  body_temperature         REAL CHECK (body_temperature BETWEEN 35 AND 42),
  oxygen_saturation        REAL
) ENTITY user SOURCE biometric_source TTL INTERVAL '90 days'
  COMMENT 'heart rate (bpm), blood pressure (mmHg), temperature (°C), oxygen saturation (%)';

CREATE FEATURE SERVICE biometric_service AS user_biometric_features.*
  COMMENT 'the health status model';
