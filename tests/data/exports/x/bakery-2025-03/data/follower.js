window.YTD.follower.part0 = [
  {
    "follower" : {
      "accountId" : "1300000000000000777",
      "userLink" : "https://twitter.com/intent/user?user_id=1300000000000000777"
    }
  },
  {
    "follower" : {
      "accountId" : "987654321",
      "userLink" : "https://twitter.com/intent/user?user_id=987654321"
    }
  },
  {
    "follower" : {
      "accountId" : "1500000000000000123",
      "userLink" : "https://twitter.com/intent/user?user_id=1500000000000000123"
    }
  },
  {
    "follower" : {
      "accountId" : "44556677",
      "userLink" : "https://twitter.com/intent/user?user_id=44556677"
    }
  }
]