// Command mailer delivers requested mails: to the log by default, over
// SMTP when SMTP_ADDR is set (see internal/shop/mail.Config).
package main

import (
	"github.com/ordershop/functions/handlers/mailer"
	"github.com/ordershop/functions/internal/shop/mail"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/wire"
	"github.com/ordershop/functions/runtime"
)

func main() {
	runtime.Main(mailer.Name, func(app *runtime.App) (runtime.Setup, error) {
		sender, err := mail.FromEnv(app.Logger)
		if err != nil {
			return runtime.Setup{}, err
		}
		h := mailer.New(sender, nil)
		streams := []string{model.Stream(model.AggMail)}
		return runtime.Setup{Functions: []runtime.Function{wire.Function(mailer.Name, streams, h.Routes())}}, nil
	}, runtime.WithNames(model.RegistryKey, model.Namespace))
}
