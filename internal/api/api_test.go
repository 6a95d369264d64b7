package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecodeErrorsNameTheProblem(t *testing.T) {
	type body struct {
		Message string `json:"message"`
	}
	cases := []struct {
		in, code, msg string
	}{
		{`{"message": "hi"}`, "", ""},
		{`{"message": "` + strings.Repeat("x", 100) + `"}`, "too_large", "larger than 64 bytes"},
		{`{"message": `, "bad_json", "request body"},
		{`{"message": 3}`, "bad_json", `field "message" must be string`},
		{`{"mesage": "hi"}`, "bad_json", `unknown field "mesage"`},
		{`{"message": "a"} {"message": "b"}`, "bad_json", "one JSON object"},
		{`nonsense`, "bad_json", "not valid JSON"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.in))
		var b body
		err := decode(r, 64, &b)
		if tc.code == "" {
			if err != nil || b.Message != "hi" {
				t.Errorf("%q: %v %+v", tc.in, err, b)
			}
			continue
		}
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != tc.code || !strings.Contains(ae.Message, tc.msg) {
			t.Errorf("%q: got %v, want %s containing %q", tc.in, err, tc.code, tc.msg)
		}
	}
}
