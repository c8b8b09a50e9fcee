// Command mailer delivers requested mails: to the log by default, over
// SMTP when SMTP_ADDR is set (see internal/shop/mail.Config).
package main

import (
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/shopfn"
)

func main() { shopfn.Main(model.FunctionMailer) }
