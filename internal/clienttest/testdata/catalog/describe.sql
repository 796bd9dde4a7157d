\dv
\d subs_profile_fv
\d churn_v1
SELECT * FROM subs_profile_fv;
