package exec

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/featuregate/featuregate"
)

// TextOf is PostgreSQL's text input of a value a front end decoded (a
// parameter of a pushing INSERT, a JSON value of an HTTP push): what
// pit.View.Push casts to the column's type. nil stays NULL.
func TextOf(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	s, err := textOf(v)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

func textOf(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int32, int16, int8, int, uint32, uint16, uint8, uint64:
		return fmt.Sprint(x), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), nil
	case json.Number:
		return x.String(), nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case []byte:
		return `\x` + hex.EncodeToString(x), nil
	case pgtype.Numeric:
		b, err := x.MarshalJSON()
		return string(b), err
	case []any:
		return arrayText(x)
	case map[string]any:
		b, err := json.Marshal(x)
		return string(b), err
	}
	return "", featuregate.Errorf(featuregate.KindDatatypeMismatch, "cannot push a value of type %T", v)
}

// arrayText is the text of a one-dimensional array: {a,"b c",NULL}.
func arrayText(xs []any) (string, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		if x == nil {
			b.WriteString("NULL")
			continue
		}
		s, err := textOf(x)
		if err != nil {
			return "", err
		}
		b.WriteString(`"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`)
	}
	b.WriteByte('}')
	return b.String(), nil
}
