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
  }
]