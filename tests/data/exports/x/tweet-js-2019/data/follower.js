window.YTD.follower.part0 = [
  {
    "follower" : {
      "accountId" : "73747798"
    }
  },
  {
    "follower" : {
      "accountId" : "386025404"
    }
  }
]