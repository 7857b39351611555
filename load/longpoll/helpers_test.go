package longpoll_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coachsim/coachsim/load/longpoll"
)

// dialStamped dials an unknown number from user's device with the stamp in the call's user data.
func dialStamped(ctx context.Context, base, user, deviceID string, at time.Time) error {
	body := `{"operationName":"Dial","destination":{"phoneNumber":"99999"},"userData":{"` + longpoll.StampKey +
		`":"` + longpoll.FormatStamp(at) + `"}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v2/me/devices/"+deviceID+"/calls",
		strings.NewReader(body))
	if err != nil {
		return err
	}
	req.SetBasicAuth(user, "password")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"statusCode":0`) {
		return fmt.Errorf("Dial answered HTTP %d: %s", resp.StatusCode, data)
	}
	return nil
}
