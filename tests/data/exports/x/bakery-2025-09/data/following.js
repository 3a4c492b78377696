window.YTD.following.part0 = [
  {
    "following" : {
      "accountId" : "1199000111222333444",
      "userLink" : "https://twitter.com/intent/user?user_id=1199000111222333444"
    }
  },
  {
    "following" : {
      "accountId" : "987654321",
      "userLink" : "https://twitter.com/intent/user?user_id=987654321"
    }
  },
  {
    "following" : {
      "accountId" : "12345",
      "userLink" : "https://twitter.com/intent/user?user_id=12345"
    }
  }
]