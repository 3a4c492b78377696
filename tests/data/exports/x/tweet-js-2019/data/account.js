window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "hello@harbourbakery.example",
      "createdVia" : "web",
      "username" : "harbourbakery",
      "accountId" : "1420339051512119297",
      "createdAt" : "2021-07-30T10:11:12.000Z",
      "accountDisplayName" : "Harbour Bakery"
    }
  }
]