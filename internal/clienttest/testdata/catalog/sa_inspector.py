"""What SQLAlchemy's inspector sees of feature relations."""
import sys

import sqlalchemy

url = sys.argv[1].replace("postgres://", "postgresql+psycopg2://", 1)
engine = sqlalchemy.create_engine(url)
insp = sqlalchemy.inspect(engine)
schema = sys.argv[2]
for name in sorted(insp.get_view_names(schema=schema)):
    cols = insp.get_columns(name, schema=schema)
    print(name, [(c["name"], str(c["type"])) for c in cols])
