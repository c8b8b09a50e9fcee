package dashboard_test

import (
	"os"
	"testing"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

var srv *redistest.Server

func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }
